//! Google service-account keys against OpenSSL: a key file around an `openssl genpkey` RSA
//! key is read, and the RS256 OAuth assertion verifies with `openssl dgst -verify`.

use std::time::{SystemTime, UNIX_EPOCH};

use signet_core::{
    Error,
    keys::{
        jwt,
        service_account::{ANDROID_PUBLISHER_SCOPE, FCM_SCOPE, ServiceAccountKey},
    },
};
use signet_tests::tools;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../wasm-core/tests/fixtures/google/service-account.json"
);

fn key_file(private_key_pem: &str) -> Vec<u8> {
    serde_json::to_vec_pretty(&serde_json::json!({
        "type": "service_account",
        "project_id": "acme-prod",
        "private_key_id": "0123456789abcdef0123456789abcdef01234567",
        "private_key": private_key_pem,
        "client_email": "signet@acme-prod.iam.gserviceaccount.com",
        "client_id": "1234567890",
        "token_uri": "https://oauth2.googleapis.com/token",
    }))
    .unwrap_or_default()
}

#[test]
fn oauth_assertion_verifies_with_openssl() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let pem = tools::run_stdout(
        "openssl",
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
        ],
    )?;
    let public = tools::openssl_public_key(&pem, dir.path())?;
    let key = ServiceAccountKey::from_json(&key_file(&pem))?;
    assert_eq!(key.public_key_pem()?.trim(), public.trim());
    let iat = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    for scope in [FCM_SCOPE, ANDROID_PUBLISHER_SCOPE] {
        let token = key.oauth_assertion(scope, iat)?;
        tools::openssl_verify_jwt(&token, &public, dir.path())?;
        let decoded = jwt::decode_unverified(&token)?;
        assert_eq!(
            decoded.claims,
            serde_json::json!({
                "iss": "signet@acme-prod.iam.gserviceaccount.com",
                "scope": scope,
                "aud": "https://oauth2.googleapis.com/token",
                "iat": iat,
                "exp": iat + 3600,
            })
        );
        assert_eq!(decoded.header.kid.as_deref(), Some(key.private_key_id()));
    }
    // The committed fixture too, against the public key OpenSSL derives from its JSON.
    let fixture = std::fs::read(FIXTURE)?;
    let json: serde_json::Value = serde_json::from_slice(&fixture)?;
    let public =
        tools::openssl_public_key(json["private_key"].as_str().unwrap_or_default(), dir.path())?;
    let token = ServiceAccountKey::from_json(&fixture)?.oauth_assertion(FCM_SCOPE, iat)?;
    tools::openssl_verify_jwt(&token, &public, dir.path())?;
    Ok(())
}

#[test]
fn traditional_rsa_pem_is_refused_with_the_field_named() -> anyhow::Result<()> {
    // Google's files hold PKCS#8; an "RSA PRIVATE KEY" (PKCS#1) pasted in is named.
    let pkcs1 = tools::run_stdout("openssl", &["genrsa", "-traditional", "2048"])?;
    let err = ServiceAccountKey::from_json(&key_file(&pkcs1)).expect_err("PKCS#1");
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
    Ok(())
}
