//! Apple `.p8` private keys and APNs provider tokens.
//!
//! Apple hands out push keys (and App Store Connect API keys, see [`super::asc`]) once, as
//! `AuthKey_<KEYID>.p8`: an unencrypted PKCS#8 PEM holding a P-256 private key. A provider
//! token is an ES256 JWT with header `{"alg":"ES256","kid":<key id>}` and claims
//! `{"iss":<team id>,"iat":<now>}`; APNs accepts it for an hour and wants it refreshed no
//! more often than every 20 minutes.

use p256::{
    ecdsa::{Signature, SigningKey, signature::Signer},
    pkcs8::{DecodePrivateKey, EncodePublicKey, LineEnding},
};
use serde::Serialize;

use super::jwt::{self, Algorithm, Header};
use crate::{Error, Result};

const P8: &str = ".p8 key";

/// An Apple `.p8` private key: ECDSA P-256. Zeroized on drop (the inner key is);
/// `Debug` prints only the public half.
pub struct P8Key {
    key: SigningKey,
}

impl core::fmt::Debug for P8Key {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("P8Key")
            .field("key", &"<redacted P-256 private key>")
            .field("public_key", &self.public_key_pem().unwrap_or_default())
            .finish()
    }
}

/// The only field, a `p256` signing key, zeroizes its scalar on drop.
impl zeroize::ZeroizeOnDrop for P8Key {}

impl P8Key {
    /// Reads a `.p8` file: PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`, as Apple's portal
    /// downloads it, CRLF line ends tolerated) or the same in DER.
    pub fn from_p8(bytes: &[u8]) -> Result<Self> {
        let key = if bytes.first() == Some(&0x30) {
            SigningKey::from_pkcs8_der(bytes).map_err(|e| not_p256(&e.to_string()))?
        } else {
            let text = core::str::from_utf8(bytes).map_err(|_| Error::Malformed {
                what: P8,
                reason: "it is neither PEM text nor DER; download the key from the Apple \
                         developer portal again"
                    .into(),
            })?;
            let text = zeroize::Zeroizing::new(text.trim().replace("\r\n", "\n"));
            if !text.starts_with("-----BEGIN PRIVATE KEY-----") {
                return Err(Error::Malformed {
                    what: P8,
                    reason: "it does not start with -----BEGIN PRIVATE KEY-----; choose the \
                             AuthKey_XXXXXXXXXX.p8 file Apple's portal downloaded"
                        .into(),
                });
            }
            SigningKey::from_pkcs8_pem(&text).map_err(|e| not_p256(&e.to_string()))?
        };
        Ok(Self { key })
    }

    /// The public key as SPKI PEM (`-----BEGIN PUBLIC KEY-----`): public metadata, and what
    /// a verifier needs.
    pub fn public_key_pem(&self) -> Result<String> {
        self.key
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| Error::Encoding {
                what: "public key",
                reason: e.to_string(),
            })
    }

    /// Signs `header.claims` with ES256 and returns the compact token. The signature is the
    /// raw 64-byte `r ‖ s` JWS wants, not DER.
    pub(crate) fn sign_jwt<C: Serialize>(&self, header: &Header, claims: &C) -> Result<String> {
        let input = jwt::signing_input(header, claims)?;
        let signature: Signature = self
            .key
            .try_sign(input.as_bytes())
            .map_err(|e| Error::Signing(e.to_string()))?;
        Ok(jwt::assemble(&input, &signature.to_bytes()))
    }
}

fn not_p256(reason: &str) -> Error {
    Error::Malformed {
        what: P8,
        reason: format!(
            "it holds no P-256 private key ({reason}); Apple push and API keys are P-256: \
             download the .p8 again"
        ),
    }
}

/// Checks a 10-character Apple identifier (key id, team id): `[A-Z0-9]{10}`. Surrounding
/// whitespace (from copy and paste) is dropped.
pub(crate) fn apple_id(what: &'static str, value: &str, expected: &'static str) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.len() == 10
        && trimmed
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        Ok(trimmed.to_owned())
    } else {
        Err(Error::InvalidIdentifier {
            what,
            value: value.to_owned(),
            expected,
        })
    }
}

pub(crate) const KEY_ID_EXPECTED: &str = "a key id is 10 capital letters and digits, shown next \
     to the key in the Apple developer portal and in the file name AuthKey_<KEY ID>.p8";
const TEAM_ID_EXPECTED: &str = "a team id is 10 capital letters and digits, shown under \
     Membership in the Apple developer portal";

/// An APNs authentication key: the `.p8`, its key id and the team it belongs to.
#[derive(Debug)]
pub struct ApplePushKey {
    key: P8Key,
    key_id: String,
    team_id: String,
}

#[derive(Serialize)]
struct ProviderClaims<'a> {
    iss: &'a str,
    iat: u64,
}

impl ApplePushKey {
    /// Reads a `.p8` and checks the key id and team id that go with it.
    pub fn from_p8(p8: &[u8], key_id: &str, team_id: &str) -> Result<Self> {
        let key_id = apple_id("Apple key id", key_id, KEY_ID_EXPECTED)?;
        let team_id = apple_id("Apple team id", team_id, TEAM_ID_EXPECTED)?;
        Ok(Self {
            key: P8Key::from_p8(p8)?,
            key_id,
            team_id,
        })
    }

    /// The key id (`kid`).
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The team id (`iss`).
    pub fn team_id(&self) -> &str {
        &self.team_id
    }

    /// The key itself (for its public half).
    pub fn key(&self) -> &P8Key {
        &self.key
    }

    /// An APNs provider token issued at `issued_at` (unix seconds, passed in: the core has no
    /// clock). Send it as `authorization: bearer <token>`; it is valid for one hour.
    pub fn provider_token(&self, issued_at: u64) -> Result<String> {
        let header = Header {
            alg: Algorithm::ES256,
            typ: None,
            kid: Some(self.key_id.clone()),
        };
        let claims = ProviderClaims {
            iss: &self.team_id,
            iat: issued_at,
        };
        self.key.sign_jwt(&header, &claims)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use p256::{
        ecdsa::{VerifyingKey, signature::Verifier},
        pkcs8::DecodePublicKey,
    };

    use super::*;

    const P8_PEM: &[u8] = include_bytes!("../../tests/fixtures/apple/AuthKey_ABC123DEFG.p8");
    const PUB_PEM: &str = include_str!("../../tests/fixtures/apple/AuthKey_ABC123DEFG.pub.pem");

    /// Verifies an ES256 token against the public key OpenSSL derived from the fixture.
    pub(crate) fn verify_es256(token: &str) -> jwt::UnverifiedToken {
        let decoded = jwt::decode_unverified(token).expect("three parts");
        assert_eq!(decoded.signature.len(), 64, "ES256 signatures are raw r‖s");
        let signature = Signature::from_slice(&decoded.signature).expect("r‖s");
        VerifyingKey::from_public_key_pem(PUB_PEM)
            .expect("openssl's public key")
            .verify(decoded.signing_input.as_bytes(), &signature)
            .expect("the signature verifies under the .p8's public key");
        decoded
    }

    #[test]
    fn provider_token_has_apple_header_and_claims_and_verifies() {
        let key = ApplePushKey::from_p8(P8_PEM, "ABC123DEFG", " A1B2C3D4E5\n").expect("p8");
        assert_eq!(key.team_id(), "A1B2C3D4E5");
        let token = key.provider_token(1_700_000_000).expect("token");
        let (header_b64, _) = token.split_once('.').expect("dot");
        assert_eq!(
            jwt::base64url_decode(header_b64).expect("b64"),
            br#"{"alg":"ES256","kid":"ABC123DEFG"}"#
        );
        let decoded = verify_es256(&token);
        assert_eq!(
            decoded.claims,
            serde_json::json!({"iss": "A1B2C3D4E5", "iat": 1_700_000_000})
        );
        // RFC 6979: the same key and input give the same token.
        assert_eq!(token, key.provider_token(1_700_000_000).expect("again"));
    }

    #[test]
    fn public_key_equals_openssls_and_der_p8_reads_too() {
        let key = P8Key::from_p8(P8_PEM).expect("p8");
        assert_eq!(key.public_key_pem().expect("pem").trim(), PUB_PEM.trim());
        let crlf = String::from_utf8(P8_PEM.to_vec())
            .expect("utf8")
            .replace('\n', "\r\n");
        assert!(P8Key::from_p8(crlf.as_bytes()).is_ok(), "Windows line ends");
    }

    #[test]
    fn ids_are_checked_with_a_reason() {
        for (kid, team) in [
            ("ABC123DEF", "A1B2C3D4E5"),
            ("abc123defg", "A1B2C3D4E5"),
            ("ABC123DEFG", "A1B2-3D4E5"),
            ("ABC123DEFG", ""),
        ] {
            let err = ApplePushKey::from_p8(P8_PEM, kid, team).expect_err("bad id");
            assert!(
                matches!(err, Error::InvalidIdentifier { .. }),
                "{kid}/{team}: {err}"
            );
            assert!(err.to_string().contains("10 capital letters"), "{err}");
        }
    }

    #[test]
    fn malformed_p8s_are_errors_not_panics() {
        let text = core::str::from_utf8(P8_PEM).expect("utf8");
        let rsa_pkcs8 = include_str!("../../tests/fixtures/apple/distribution-key.pem");
        let inputs: Vec<Vec<u8>> = vec![
            vec![],
            b"hello".to_vec(),
            vec![0x30, 0x82, 0xff],
            vec![0xff, 0xfe, 0x00],
            text.replace("PRIVATE KEY", "PUBLIC KEY").into_bytes(),
            text.as_bytes()[..text.len() / 2].to_vec(),
            text.replacen('M', "!", 1).into_bytes(),
            rsa_pkcs8.as_bytes().to_vec(),
        ];
        for input in inputs {
            let err = P8Key::from_p8(&input).expect_err("not a p8");
            assert!(matches!(err, Error::Malformed { what: P8, .. }), "{err}");
        }
        for cut in 0..P8_PEM.len() {
            let _ = P8Key::from_p8(&P8_PEM[..cut]);
        }
    }

    #[test]
    fn secrets_are_zeroized_on_drop() {
        fn zeroized<T: zeroize::ZeroizeOnDrop>() {}
        zeroized::<P8Key>();
        zeroized::<SigningKey>();
    }

    #[test]
    fn debug_redacts_the_private_key() {
        let key = ApplePushKey::from_p8(P8_PEM, "ABC123DEFG", "A1B2C3D4E5").expect("p8");
        let debug = format!("{key:?}");
        assert!(debug.contains("redacted"), "{debug}");
        assert!(!debug.contains("PRIVATE"), "{debug}");
    }
}
