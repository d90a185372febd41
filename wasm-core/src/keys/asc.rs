//! App Store Connect API keys.
//!
//! An App Store Connect API key is a `.p8` like a push key (see [`super::apns`]), a key id,
//! and the issuer id of the team (a UUID shown on the Keys page). Its token is an ES256 JWT:
//! header `{"alg":"ES256","kid":<key id>,"typ":"JWT"}`, claims
//! `{"iss":<issuer id>,"iat":<now>,"exp":<≤ 20 minutes later>,"aud":"appstoreconnect-v1"}`.
//! Apple refuses tokens that live longer than 20 minutes.

use serde::Serialize;

use super::{
    apns::{KEY_ID_EXPECTED, P8Key, apple_id},
    jwt::{Algorithm, Header},
};
use crate::{Error, Result};

/// The audience App Store Connect requires.
pub const AUDIENCE: &str = "appstoreconnect-v1";

/// The longest token lifetime Apple accepts, in seconds (20 minutes).
pub const MAX_TOKEN_LIFETIME_SECS: u64 = 20 * 60;

/// An App Store Connect API key: the `.p8`, its key id and the issuer id.
#[derive(Debug)]
pub struct AppStoreConnectKey {
    key: P8Key,
    key_id: String,
    issuer_id: String,
}

#[derive(Serialize)]
struct AscClaims<'a> {
    iss: &'a str,
    iat: u64,
    exp: u64,
    aud: &'static str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    scope: &'a [String],
}

/// The HTTP methods a scoped token may name.
const SCOPE_METHODS: [&str; 4] = ["GET", "POST", "PATCH", "DELETE"];

/// Checks one entry of Apple's `scope` claim: `"METHOD /v1/…"` (an optional query string
/// included), nothing else — no host, no whitespace inside the path.
fn check_scope(entry: &str) -> Result<()> {
    let ok = entry.split_once(' ').is_some_and(|(method, path)| {
        SCOPE_METHODS.contains(&method)
            && path.starts_with("/v1/")
            && !path.contains(char::is_whitespace)
            && !path.contains("..")
    });
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "{entry:?} is not an App Store Connect token scope: use \"METHOD /v1/path\", e.g. \
             \"GET /v1/bundleIds?filter[identifier]=com.acme.app\""
        )))
    }
}

impl AppStoreConnectKey {
    /// Reads a `.p8` and checks the key id (10 characters) and issuer id (a UUID; stored in
    /// lowercase, as Apple shows it).
    pub fn from_p8(p8: &[u8], key_id: &str, issuer_id: &str) -> Result<Self> {
        let key_id = apple_id("App Store Connect key id", key_id, KEY_ID_EXPECTED)?;
        let issuer_id = parse_issuer_id(issuer_id)?;
        Ok(Self {
            key: P8Key::from_p8(p8)?,
            key_id,
            issuer_id,
        })
    }

    /// The key id (`kid`).
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The issuer id (`iss`), a lowercase UUID.
    pub fn issuer_id(&self) -> &str {
        &self.issuer_id
    }

    /// The key itself (for its public half).
    pub fn key(&self) -> &P8Key {
        &self.key
    }

    /// A token issued at `issued_at` (unix seconds, passed in) that expires `lifetime_secs`
    /// later: at most [`MAX_TOKEN_LIFETIME_SECS`], at least one second.
    pub fn token(&self, issued_at: u64, lifetime_secs: u64) -> Result<String> {
        self.token_scoped(issued_at, lifetime_secs, &[])
    }

    /// A token that App Store Connect accepts only for the requests listed in `scope`
    /// (Apple's `scope` claim: `"METHOD /v1/path?query"` each), so whoever relays it — the
    /// Signet server, for the dashboard — can use it for nothing else. Empty: unscoped.
    pub fn token_scoped(
        &self,
        issued_at: u64,
        lifetime_secs: u64,
        scope: &[String],
    ) -> Result<String> {
        for entry in scope {
            check_scope(entry)?;
        }
        if lifetime_secs == 0 || lifetime_secs > MAX_TOKEN_LIFETIME_SECS {
            return Err(Error::InvalidInput(format!(
                "an App Store Connect token may live 1 to {MAX_TOKEN_LIFETIME_SECS} seconds, not \
                 {lifetime_secs}: Apple refuses longer ones"
            )));
        }
        let exp = issued_at.checked_add(lifetime_secs).ok_or_else(|| {
            Error::InvalidInput(format!("{issued_at} is not a plausible unix time"))
        })?;
        let header = Header {
            alg: Algorithm::ES256,
            typ: Some("JWT".into()),
            kid: Some(self.key_id.clone()),
        };
        let claims = AscClaims {
            iss: &self.issuer_id,
            iat: issued_at,
            exp,
            aud: AUDIENCE,
            scope,
        };
        self.key.sign_jwt(&header, &claims)
    }
}

/// Checks the 8-4-4-4-12 hex shape of a UUID and lowercases it.
fn parse_issuer_id(value: &str) -> Result<String> {
    let id = value.trim().to_ascii_lowercase();
    let groups: Vec<&str> = id.split('-').collect();
    let shape_ok = groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()));
    if shape_ok {
        Ok(id)
    } else {
        Err(Error::InvalidIdentifier {
            what: "App Store Connect issuer id",
            value: value.to_owned(),
            expected: "an issuer id is a UUID such as 57246542-96fe-1a63-e053-0824d011072a, \
                       shown above the key list under Users and Access → Integrations",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::jwt;

    const P8_PEM: &[u8] = include_bytes!("../../tests/fixtures/apple/AuthKey_ABC123DEFG.p8");
    const ISSUER: &str = "57246542-96FE-1a63-e053-0824d011072a";

    #[test]
    fn a_scoped_token_lists_exactly_its_requests_and_refuses_malformed_ones() {
        let key = AppStoreConnectKey::from_p8(P8_PEM, "ABC123DEFG", ISSUER).expect("key");
        let scope = vec![
            "GET /v1/bundleIds?filter[identifier]=com.acme.app".to_owned(),
            "POST /v1/certificates".to_owned(),
        ];
        let token = key.token_scoped(1_700_000_000, 600, &scope).expect("token");
        let claims = token.split('.').nth(1).expect("claims");
        let claims: serde_json::Value =
            serde_json::from_slice(&jwt::base64url_decode(claims).expect("b64")).expect("json");
        assert_eq!(claims["scope"], serde_json::json!(scope));
        assert_eq!(claims["exp"], 1_700_000_600);
        for bad in [
            "GET https://evil.example/v1/apps",
            "PUT /v1/apps",
            "GET /v2/apps",
            "GET /v1/../admin",
            "GET /v1/apps extra",
            "/v1/apps",
        ] {
            assert!(
                key.token_scoped(1_700_000_000, 600, &[bad.to_owned()])
                    .is_err(),
                "{bad}"
            );
        }
        // Unscoped tokens carry no scope member (byte-identical to before).
        let plain = key.token(1_700_000_000, 600).expect("token");
        assert!(!plain.split('.').nth(1).is_some_and(|c| {
            String::from_utf8(jwt::base64url_decode(c).unwrap_or_default())
                .unwrap_or_default()
                .contains("scope")
        }));
    }

    #[test]
    fn token_has_the_documented_header_and_claims() {
        let key = AppStoreConnectKey::from_p8(P8_PEM, "ABC123DEFG", ISSUER).expect("key");
        assert_eq!(key.issuer_id(), "57246542-96fe-1a63-e053-0824d011072a");
        let token = key.token(1_700_000_000, 1200).expect("token");
        let (header_b64, rest) = token.split_once('.').expect("dot");
        assert_eq!(
            jwt::base64url_decode(header_b64).expect("b64"),
            br#"{"alg":"ES256","typ":"JWT","kid":"ABC123DEFG"}"#
        );
        let (claims_b64, _) = rest.split_once('.').expect("dot");
        assert_eq!(
            jwt::base64url_decode(claims_b64).expect("b64"),
            br#"{"iss":"57246542-96fe-1a63-e053-0824d011072a","iat":1700000000,"exp":1700001200,"aud":"appstoreconnect-v1"}"#
        );
        crate::keys::apns::tests::verify_es256(&token);
    }

    #[test]
    fn lifetimes_over_twenty_minutes_are_refused() {
        let key = AppStoreConnectKey::from_p8(P8_PEM, "ABC123DEFG", ISSUER).expect("key");
        assert!(key.token(1_700_000_000, 1201).is_err());
        assert!(key.token(1_700_000_000, 0).is_err());
        assert!(key.token(u64::MAX, 60).is_err());
    }

    #[test]
    fn issuer_ids_must_be_uuids() {
        for bad in [
            "",
            "57246542-96fe-1a63-e053",
            "57246542-96fe-1a63-e053-0824d011072g",
            "5724654296fe1a63e0530824d011072a",
        ] {
            let err = AppStoreConnectKey::from_p8(P8_PEM, "ABC123DEFG", bad).expect_err(bad);
            assert!(err.to_string().contains("UUID"), "{err}");
        }
    }
}
