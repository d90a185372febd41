//! The little of JSON Web Tokens (RFC 7519) that Apple and Google need: compact
//! serialization of a signed token.
//!
//! A token is `base64url(header) . base64url(claims) . base64url(signature)`, without
//! padding. The header and claims are compact JSON with members in declaration order (the
//! structs below), so a token is reproducible byte for byte: RS256 signatures are
//! deterministic and the tests compare whole tokens against OpenSSL's.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The signature algorithms Signet signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Algorithm {
    /// ECDSA over P-256 with SHA-256; the signature is raw `r ‖ s` (64 bytes). Apple's
    /// APNs and App Store Connect tokens.
    ES256,
    /// RSASSA-PKCS1-v1_5 with SHA-256. Google's OAuth service-account assertions.
    RS256,
}

/// A JOSE header: `{"alg": ..., "typ": ..., "kid": ...}` (absent members are omitted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// The signature algorithm.
    pub alg: Algorithm,
    /// `"JWT"` where the receiver wants it (App Store Connect, Google).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typ: Option<String>,
    /// The id of the signing key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
}

/// Encodes bytes as base64url without padding, as JWTs do.
pub fn base64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes unpadded base64url (the inverse of [`base64url`]).
pub fn base64url_decode(text: &str) -> Result<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).map_err(|e| Error::Malformed {
        what: "JSON Web Token",
        reason: format!("a part is not base64url: {e}"),
    })
}

/// The JWS signing input: `base64url(json(header)) . base64url(json(claims))`.
pub fn signing_input<C: Serialize>(header: &Header, claims: &C) -> Result<String> {
    Ok(format!(
        "{}.{}",
        base64url(&to_json(header)?),
        base64url(&to_json(claims)?)
    ))
}

/// Appends the signature to a signing input, completing the token.
pub fn assemble(signing_input: &str, signature: &[u8]) -> String {
    format!("{signing_input}.{}", base64url(signature))
}

/// A token split into its parts, *without* checking the signature: for inspection and
/// tests. Never trust claims read this way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnverifiedToken {
    /// The decoded header.
    pub header: Header,
    /// The decoded claims as JSON.
    pub claims: serde_json::Value,
    /// The signing input (the first two parts with their dot), as signed.
    pub signing_input: String,
    /// The raw signature bytes.
    pub signature: Vec<u8>,
}

/// Splits a compact token into header, claims and signature without verifying anything.
pub fn decode_unverified(token: &str) -> Result<UnverifiedToken> {
    let malformed = |reason: &str| Error::Malformed {
        what: "JSON Web Token",
        reason: reason.to_owned(),
    };
    let mut parts = token.split('.');
    let (Some(h), Some(c), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed("a token has exactly three dot-separated parts"));
    };
    let header = serde_json::from_slice(&base64url_decode(h)?)
        .map_err(|e| malformed(&format!("the header is not a JOSE header: {e}")))?;
    let claims = serde_json::from_slice(&base64url_decode(c)?)
        .map_err(|e| malformed(&format!("the claims are not JSON: {e}")))?;
    Ok(UnverifiedToken {
        header,
        claims,
        signing_input: format!("{h}.{c}"),
        signature: base64url_decode(s)?,
    })
}

fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| Error::Encoding {
        what: "JSON Web Token",
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_has_no_padding_and_url_alphabet() {
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url_decode("-_8").expect("decode"), vec![0xfb, 0xff]);
        assert!(base64url_decode("+/8=").is_err());
    }

    #[test]
    fn header_members_are_in_order_and_absent_ones_omitted() {
        let header = Header {
            alg: Algorithm::ES256,
            typ: None,
            kid: Some("ABC123DEFG".into()),
        };
        let input =
            signing_input(&header, &serde_json::json!({"iss": "A1B2C3D4E5"})).expect("input");
        let (h, c) = input.split_once('.').expect("dot");
        assert_eq!(
            base64url_decode(h).expect("b64"),
            br#"{"alg":"ES256","kid":"ABC123DEFG"}"#
        );
        assert_eq!(
            base64url_decode(c).expect("b64"),
            br#"{"iss":"A1B2C3D4E5"}"#
        );
    }

    #[test]
    fn decode_round_trips_and_refuses_garbage() {
        let header = Header {
            alg: Algorithm::RS256,
            typ: Some("JWT".into()),
            kid: None,
        };
        let input = signing_input(&header, &serde_json::json!({"iat": 1})).expect("input");
        let token = assemble(&input, &[1, 2, 3]);
        let decoded = decode_unverified(&token).expect("decode");
        assert_eq!(decoded.header, header);
        assert_eq!(decoded.claims["iat"], 1);
        assert_eq!(decoded.signature, vec![1, 2, 3]);
        assert_eq!(decoded.signing_input, input);
        for bad in ["", "a.b", "a.b.c.d", "!!.e30.AA", "e30.e30.AA"] {
            assert!(decode_unverified(bad).is_err(), "{bad}");
        }
    }
}
